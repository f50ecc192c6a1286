"""A legacy DRP SOAP 1.1 service (document/literal wrapped) for tests and the demo.

``start_server(port=0, seed_dir=None, faults=..., users=...)`` runs it on 127.0.0.1 in a thread
and returns a handle with ``.url``, ``.wsdl_url``, ``.store``, ``.requests`` (log),
``.inject(kind, operation)`` and ``.stop()``. ``python -m testkit.servers.drpsoap`` runs it
as a process. Element names and their ChannelCo CSV columns are in ``schema.py``; a ready
``soap`` connector config for every DRP stream is ``connector.yaml`` beside this file.
"""

from testkit.servers.drpsoap.app import NS, RequestEntry
from testkit.servers.drpsoap.faults import FAULT_KINDS, FaultSpec
from testkit.servers.drpsoap.server import DrpServerHandle, start_server
from testkit.servers.drpsoap.store import DrpStore

__all__ = ["NS", "FAULT_KINDS", "FaultSpec", "DrpServerHandle", "DrpStore", "RequestEntry", "start_server"]
