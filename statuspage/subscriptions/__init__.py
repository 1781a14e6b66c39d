"""The self-service subscription service (design §8): a Flask WSGI application."""
