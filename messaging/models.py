# Models arrive with this app's issue (see the README's architecture map).
