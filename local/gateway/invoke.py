"""Calls the function through the Lambda Invoke API that `cargo lambda watch` serves.

`POST {invoke_url}/2015-03-31/functions/{name}/invocations` with the event as the body answers the
function's JSON result. A function error shows as a non-200 status (cargo lambda watch answers 500
with `{"errorType", "errorMessage"}`) or, as Lambda itself does, as a 200 carrying the header
`X-Amz-Function-Error`; both raise InvokeError, as does a watch that does not answer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

log = logging.getLogger("gateway.invoke")


class InvokeError(Exception):
    """The invocation did not produce a result (unreachable, timed out, or the function failed)."""


class Invoker:
    def __init__(self, invoke_url: str, function: str, timeout: float) -> None:
        self.url = f"{invoke_url}/2015-03-31/functions/{function}/invocations"
        self.function = function
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=5)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # trust_env=False: never through a proxy from the environment.
        self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def invoke(self, event: dict[str, Any]) -> Any:
        """Invokes the function with `event` and returns its decoded JSON result."""
        assert self._session is not None, "Invoker.start() was not called"
        try:
            async with self._session.post(
                self.url, data=json.dumps(event), headers={"content-type": "application/json"}
            ) as response:
                text = await response.text()
                function_error = response.headers.get("X-Amz-Function-Error")
                if response.status != 200 or function_error:
                    raise InvokeError(
                        f"{self.function} failed (HTTP {response.status}"
                        f"{', ' + function_error if function_error else ''}): {text[:500]}"
                    )
        except aiohttp.ClientError as err:
            raise InvokeError(f"cannot invoke {self.function} at {self.url}: {err!r}") from err
        except TimeoutError as err:
            raise InvokeError(f"invoking {self.function} timed out") from err
        try:
            return json.loads(text) if text.strip() else None
        except json.JSONDecodeError as err:
            raise InvokeError(f"{self.function} answered something that is not JSON: {text[:500]}") from err
