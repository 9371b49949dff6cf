from . import utility_arrears_policy
