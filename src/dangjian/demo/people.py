"""Synthetic Chinese personal names."""

import random

from dangjian.demo.generator import SURNAMES

GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红"
    "建国建华志强海燕小红晓东春梅国庆德胜文斌丽娟振华永红桂兰淑珍宏伟金凤"
)


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return surname + given
