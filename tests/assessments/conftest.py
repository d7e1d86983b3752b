import pytest

from dengbao.assessments import services

from .helpers import HARM2, HARM3, graded


@pytest.fixture
def assessment(world_a):
    """HIS (S3A3) and LIS (S3A2, cloud) assessed together: S3A3 with the cloud extension."""
    his = graded(world_a, "HIS", HARM3, HARM3)
    lis = graded(world_a, "LIS", HARM3, HARM2, tech=["cloud"])
    return services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS/LIS", systems=[his, lis]
    )
