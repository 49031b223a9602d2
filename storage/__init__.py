"""Persistence: SQLAlchemy 2.0 models, repositories, the database handle and Alembic migrations."""
