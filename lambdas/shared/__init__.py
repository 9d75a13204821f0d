"""Code every function shares: errors the workflows catch, settings, observability, clients."""
