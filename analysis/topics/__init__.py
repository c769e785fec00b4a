"""Stage 3a, topics: what the coverage talks about, from passage embeddings.

:class:`TopicModel` (:mod:`.model`) is a seeded BERTopic sized from the corpus, with a k-means
fallback it announces; :mod:`.knn` shares one cosine neighbour graph between its two UMAPs,
:mod:`.labels` builds the bilingual vocabulary and labels, :mod:`.quality` measures coherence and
diversity, :mod:`.stability` agreement across seeds, :mod:`.persistence` saves and loads a fitted model without pickle, :mod:`.extension` places the passages of a
corpus that grew by under 5% in the fitted topics instead of refitting, :mod:`.curation` names,
merges and finds topics by hand, and :mod:`.shares`
turns passage topics into shares over time or per class.
"""

from .base import TopicModelWarning
from .curation import TopicCuration, find_topics, merge_topics, read_topic_names, reduce_topics, set_topic_names
from .model import MIN_PASSAGES_FOR_DENSITY, TopicModel
from .quality import CoherenceResult, topic_coherence_npmi, topic_diversity
from .shares import period_frequency, topics_over_time, topics_per_class
from .stability import topic_stability

__all__ = ["MIN_PASSAGES_FOR_DENSITY", "CoherenceResult", "TopicCuration", "TopicModel", "TopicModelWarning",
           "find_topics", "merge_topics", "period_frequency", "read_topic_names", "reduce_topics", "set_topic_names",
           "topic_coherence_npmi", "topic_diversity", "topic_stability", "topics_over_time", "topics_per_class"]
