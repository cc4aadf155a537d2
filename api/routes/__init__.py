"""The API's routes, thin: check the input, call the stores and services, shape the answer with
api.views. Each module holds one resource's router; api.app mounts them under /v1."""
