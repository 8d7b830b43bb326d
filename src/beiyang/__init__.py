"""Beiyang: founder services for the Beiyang AI Innovation Town (北杨人工智能创新小镇)."""

__version__ = "0.1.0"
