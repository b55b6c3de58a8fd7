DROP TABLE privacy_texts;
