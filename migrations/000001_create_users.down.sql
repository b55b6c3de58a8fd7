DROP TABLE sessions;
DROP TABLE signin_throttle;
DROP TABLE user_permissions;
DROP TABLE users;
