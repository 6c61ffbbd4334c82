"""devhost: run ``function_app.app`` locally the way the Azure Functions host and Python worker do.

See docs/devhost.md. In-process use::

    async with DevHost(DevHostOptions(app_dir=Path("."))) as host:
        ...  # host.asgi_app, await host.run_function("name", "input"), host.invocations
"""

from devhost.runner import DevHost, DevHostOptions

__all__ = ["DevHost", "DevHostOptions"]
