"""Feedback without the key: an nbconvert preprocessor for nbgrader's generate_feedback.

The graded question cells print the trainee's answer so a trainer sees it in formgrader. In the
feedback a trainee takes home (and may pass on), the answer line of every question that scored
points is dropped: it would tell the next group which option is right. Wrong and missing answers
keep their line (it names no key); every question keeps its verdict and points.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from core import labels

ANSWER_PREFIXES = tuple(f"{label}:" for label in labels.section("exam")["your_answer"])


def _points(cell) -> float:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "execute_result":
            try:
                return float(out["data"]["text/plain"])
            except (KeyError, TypeError, ValueError):
                return 0.0
    return 0.0


class HideCorrectAnswers(Preprocessor):
    """Drop the 'Your answer' line from question cells that scored points."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        nbg = cell.metadata.get("nbgrader", {})
        # the question cells are nbgrader's autograder-test cells (autograde drops their tags)
        if cell.cell_type != "code" or not nbg.get("grade") or nbg.get("solution"):
            return cell, resources
        if _points(cell) > 0:
            for out in cell.outputs:
                if out.get("output_type") == "stream":
                    out.text = "".join(line for line in out.text.splitlines(keepends=True)
                                       if not line.startswith(ANSWER_PREFIXES))
        return cell, resources
