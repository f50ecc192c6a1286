"""Configuration of a django-crm (BottleCRM) connection (validated once; the token is a secret)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class DjangoCrmConfig(BaseModel):
    """Where the django-crm API is and which personal access token to use.

    The token (``bcrm_pat_...``) comes from the connector context's secrets (``token``) or, failing
    that, from ``token`` here (which should be a ``${ENV}`` reference, never a literal).
    """

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="base URL of the API server, e.g. http://127.0.0.1:8000")
    token: SecretStr | None = None
    page_size: int = Field(default=100, ge=1, le=1000)
    timeout: float = Field(default=30.0, gt=0)
    verify_tls: bool = True

    def configured_streams(self) -> list[str] | None:
        """The connector's fixed streams (known without a request)."""
        from connectors.djangocrm.streams import ENDPOINTS

        return list(ENDPOINTS)
