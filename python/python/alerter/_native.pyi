"""Type stubs of the native module (Rust, PyO3). Use the `alerter` package's
API instead: these functions take already-normalised arguments."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

_Message = Tuple[str, Optional[str], str, List[Tuple[str, str]], Optional[str], Optional[str], Optional[str]]
_Path = Union[str, "os.PathLike[str]", None]

VERSION: str
CONTRACT_VERSION: str

class AlerterError(Exception):
    exit_code: int

class ConfigurationError(AlerterError): ...
class DeliveryError(AlerterError): ...

class PendingAsk:
    def wait(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]: ...
    def cancel(self) -> None: ...

def post(
    message: _Message,
    alerter: Optional[str] = None,
    settings: Sequence[Tuple[str, str]] = ...,
    home: _Path = None,
    attachments: Sequence[Tuple[str, str, str]] = ...,
) -> Tuple[str, Optional[str], str, str]: ...
def ask_start(
    message: _Message,
    timeout: float,
    approve: Optional[Sequence[str]] = None,
    disapprove: Optional[Sequence[str]] = None,
    approvers: Sequence[str] = ...,
    case_sensitive: bool = False,
    follow_up: bool = True,
    alerter: Optional[str] = None,
    settings: Sequence[Tuple[str, str]] = ...,
    home: _Path = None,
) -> PendingAsk: ...
def register(
    name: str,
    flavor: str,
    settings: Sequence[Tuple[str, str]] = ...,
    allow_hosts: Sequence[str] = ...,
    home: _Path = None,
) -> Tuple[str, str, bool, List[str]]: ...
def register_flavor(path: str, name: Optional[str] = None, home: _Path = None) -> Tuple[str, str]: ...
def remove(name: str, home: _Path = None) -> None: ...
def use_alerter(name: str, home: _Path = None) -> None: ...
def set_secret(name: str, pairs: Sequence[Tuple[str, str]], home: _Path = None) -> List[str]: ...
def alerters(home: _Path = None) -> List[Tuple[str, str, bool]]: ...
def flavors(home: _Path = None) -> List[Dict[str, Any]]: ...
def default_home() -> "os.PathLike[str]": ...
