"""The installable citizen app (issue 20 item 11): web app manifest, service worker, offline page."""
