"""The HTTP API and the `backoffice` command line."""
