"""wxnb: the 微信营销月度复盘 toolkit (data contract, metrics, charts, runner, report)."""

__version__ = "0.1.0"

__all__ = [
    "__version__",
]
