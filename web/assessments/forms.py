"""The form that starts an assessment: which kind, which period (the latest with data by default)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from engine.assessments.formatting import KIND_LABELS
from engine.assessments.periods import KINDS


class RunForm(FlaskForm):
    kind = SelectField(_l("评估类型"), choices=[SelectChoice(k, _l(KIND_LABELS[k])) for k in reversed(KINDS)],
                       validators=[DataRequired(message=_l("请选择评估类型"))])
    #: Empty: the latest period with data (the page says which).
    period = StringField(_l("评估期"), validators=[Length(max=20, message=_l("评估期最多 20 个字符"))],
                         description=_l("例如 2026Q4、2026-11、2026-W48；留空则评估有数据的最近一期"))
