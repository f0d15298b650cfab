"""What residents see without logging in: a case's progress and published outcome by tracking code.

The tracking code only shows; acting as the reporter needs the private link (:func:`reporter_path`).

Nothing here shows personal data: no names, phones or staff accounts, nothing from
other cases. Labels are codes; the interface turns them into words.
"""
from __future__ import annotations

from engine.public.links import reporter_path as reporter_path
from engine.public.privacy import normalise_code as normalise_code
from engine.public.service import PublicService as PublicService
from engine.public.read_models import Outcome as Outcome
from engine.public.read_models import PublicCase as PublicCase
from engine.public.read_models import Step as Step
