"""Statistical reporting and open-data toolkit for the cross-border online-scam crisis."""
__version__ = "0.1.0"
