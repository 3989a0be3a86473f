"""`filmcolor studio`: a colourist's workspace in the browser (see `server`)."""
