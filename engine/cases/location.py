"""Where a case is: the point a reporter's phone or an Open311 client gave (lat/long, WGS-84), besides the grid and
address every case has. The point is stored when the reporter sends one; a place is checked the way GeoReport
states it (lat and long together, or an address, or an address id)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Float, ForeignKey
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db import Base
from engine.errors import ValidationError

ADDRESS_ID_MAX = 100


class CaseLocation(Base):
    """Where the reporter said the issue is (a phone's position, or an Open311 client's point)."""

    __tablename__ = "case_location"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    long: Mapped[float] = mapped_column(Float, nullable=False)

    def __repr__(self) -> str:
        return f"<CaseLocation case={self.case_id} {self.lat},{self.long}>"


@dataclass(frozen=True)
class Location:
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    address_id: str | None = None


def check_location(location: Location) -> None:
    """GeoReport wants a place: lat and long together, or ``address_string``, or ``address_id`` (or several)."""
    errors: dict[str, str] = {}
    if len(location.address_id or "") > ADDRESS_ID_MAX:
        errors["address_id"] = f"最多 {ADDRESS_ID_MAX} 个字符"
    has_point = location.lat is not None or location.long is not None
    if has_point:
        if location.lat is None:
            errors["lat"] = "缺少 lat：lat 和 long 须一起提供"
        elif not math.isfinite(location.lat) or not -90 <= location.lat <= 90:
            errors["lat"] = "纬度应为 -90 到 90 之间的数"
        if location.long is None:
            errors["long"] = "缺少 long：lat 和 long 须一起提供"
        elif not math.isfinite(location.long) or not -180 <= location.long <= 180:
            errors["long"] = "经度应为 -180 到 180 之间的数"
    elif not (location.address or "").strip() and not (location.address_id or "").strip():
        errors["address_string"] = "请提供位置：lat 和 long，或 address_string，或 address_id"
    if errors:
        raise ValidationError("位置信息有误", errors)


def keep_point(session: Session, case_id: int, location: Location) -> None:
    """Store the case's point when the reporter gave one (the place was checked by :func:`check_location`)."""
    if location.lat is not None and location.long is not None:
        session.add(CaseLocation(case_id=case_id, lat=location.lat, long=location.long))
