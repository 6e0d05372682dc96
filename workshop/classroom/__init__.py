"""The instructor's kit for a class in one shared AWS account: a learner's IAM policy, the class's progress, a sweep."""
