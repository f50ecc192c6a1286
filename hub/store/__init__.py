"""The canonical store: ORM models, engine, migrations and the bulk write fast path."""
