"""Documents, app side: the library, search, and the cited pages of a hit."""
