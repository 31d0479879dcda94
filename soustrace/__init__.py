"""soustrace: follow public money down the supply chain, from award notices to hosting providers."""

__version__ = "0.1.0"
