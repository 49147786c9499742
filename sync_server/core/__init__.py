"""Settings, security and errors shared by every part of the server."""
