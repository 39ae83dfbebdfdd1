from datetime import datetime

from comcep.animation.periods import PARIS


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)
