"""Domain errors become 400 / 404 / 409 with the Chinese message and the rule id."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        body = {"detail": exc.message, "rule": exc.rule_id}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConcurrentEdit):
        return Response({"detail": exc.message, "rule": "REL-03"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, OutOfScope):
        return Response({"detail": exc.message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, OverflowError):
        # A number beyond the database's integer range in a filter or id (found by the API fuzz test).
        return Response({"detail": "参数中的数值超出允许范围。"}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
