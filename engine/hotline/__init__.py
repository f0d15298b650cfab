"""12345 hotline work orders (工单): inbound orders into cases, signed callbacks back (docs/hotline.md)."""
from __future__ import annotations

from engine.hotline.callbacks import CallbackSender
from engine.hotline.operations import WorkOrder
from engine.hotline.service import HotlineBoard, HotlineService, OrderView, Received

__all__ = ["CallbackSender", "HotlineBoard", "HotlineService", "OrderView", "Received", "WorkOrder"]
