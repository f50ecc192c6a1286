"""Every WSDL of the shared corpus loads in the SOAP connector or fails with a typed config/discovery error."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.soap.client import SoapClient
from connectors.soap.config import SoapConfig
from connectors.soap.errors import WsdlImportRefused
from hub.connector import ConnectorContext
from hub.errors import ConfigError, DiscoveryError

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "wsdl"
FILES = sorted(CORPUS.rglob("*.wsdl")) if CORPUS.is_dir() else []

#: documents that import schemas from the internet; the connector must refuse, not fetch
REMOTE_IMPORTS = {"netsuite_suitetalk_2015_1.wsdl", "soap_import_main.wsdl", "soap_import_2.wsdl"}
#: documents without a SOAP port (an HTTP binding, or a fragment that only holds a binding)
NO_SOAP_PORT = {"http.wsdl", "hello_world_recursive_import.wsdl"}

pytestmark = pytest.mark.skipif(not FILES, reason="../shared absent: WSDL corpus not available")


def _client(path: Path) -> SoapClient:
    config = SoapConfig.model_validate(
        {
            "wsdl": str(path),
            "endpoint": "http://127.0.0.1:9/unused",
            "cache": "none",
            "streams": {"probe": {"operation": "Probe", "result_path": "x", "key": ["id"]}},
        }
    )
    return SoapClient(config, ConnectorContext(system="corpus", base_dir=str(path.parent)))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) if CORPUS.is_dir() else "" for p in FILES])
def test_corpus_wsdl_loads_or_fails_typed(path: Path) -> None:
    client = _client(path)
    try:
        ops = client.operations()
    except (ConfigError, DiscoveryError) as exc:
        assert str(exc) and exc.file is not None or exc.system == "corpus"
        if path.name in REMOTE_IMPORTS:
            assert isinstance(exc, WsdlImportRefused), exc
        else:
            assert path.name in NO_SOAP_PORT, f"{path.name} should load: {exc}"
        return
    finally:
        client.close()
    assert path.name not in REMOTE_IMPORTS | NO_SOAP_PORT, f"{path.name} unexpectedly loaded"
    assert ops, f"{path.name} loaded but offers no operations"
    for op in ops.values():  # every operation's signature renders (types resolved)
        assert op.input.signature() is not None or op.input.body is None


def test_corpus_summary() -> None:
    loaded, refused = [], []
    for path in FILES:
        client = _client(path)
        try:
            client.operations()
            loaded.append(path.name)
        except (ConfigError, DiscoveryError):
            refused.append(path.name)
        finally:
            client.close()
    assert len(loaded) + len(refused) == len(FILES)
    assert len(loaded) >= 11 and set(refused) == (REMOTE_IMPORTS | NO_SOAP_PORT) & {p.name for p in FILES}
