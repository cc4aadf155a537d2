"""`backoffice demo`: builds the demo company offline and deterministically."""
