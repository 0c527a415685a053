"""Recruitment deadlines as to-dos (§4.4)."""


def recruitment_todos(user, today, lead):
    return []
