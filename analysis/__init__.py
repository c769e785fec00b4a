"""Topic and framing analysis of news about the drug trade and counternarcotics in Latin America."""
__version__ = "0.1.0"
