"""Analytics: how mixed the schools of a round are.

:mod:`samen.analytics.indices` computes segregation indices (dissimilarity, isolation and
exposure, Theil's entropy index, the mutual information index with its decomposition, Hutchens'
square-root index and Gini) from a school x group table of pupil counts.
"""
