"""The database engine around SQLAlchemy: the connection pool's options and the accounts' grants."""
