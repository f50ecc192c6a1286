"""ChannelHub: makes a channel company's CRM and DRP/ERP behave like one system."""

__version__ = "0.1.0"
