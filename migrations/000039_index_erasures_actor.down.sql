DROP INDEX erasures_actor;
