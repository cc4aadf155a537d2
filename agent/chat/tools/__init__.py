"""The advisor assistant's tools: typed requests and responses, authorised by the caller's role."""
