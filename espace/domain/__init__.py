"""The rules of the procedure, with no Flask import: callable from views, CLI and tests."""
