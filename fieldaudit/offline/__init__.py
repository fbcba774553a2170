"""The tablet's offline side: service worker, web app manifest, "take an audit offline" and the This tablet page."""
