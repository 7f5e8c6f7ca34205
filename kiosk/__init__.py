"""Smart Kampung's core: models, services and rules of the village office (no Qt)."""

__version__ = "0.1.0"
