"""Domain errors that views and the API turn into a 400 (or 409) with the Chinese message."""


class RuleViolation(Exception):
    """A change the regulations or the data rules forbid. `rule_id` names the rule (ORG-05, TREE-CYCLE…)."""

    def __init__(self, rule_id: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.field = field

    def __str__(self):
        return f"{self.message}（{self.rule_id}）"


class ConcurrentEdit(Exception):
    """The record changed since the editor loaded it (optimistic version check)."""

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重新编辑。"):
        super().__init__(message)
        self.message = message


class OutOfScope(Exception):
    """A write would leave the actor's scope; the transaction is rolled back."""

    def __init__(self, message: str = "超出您的管辖范围，操作未执行。"):
        super().__init__(message)
        self.message = message
