"""Small synthetic corpora for the engine tests."""

from __future__ import annotations

import random

from recommender.engine import Document

TOPICS = {
    "legs": "squat lunge quad hamstring glute leg press calf deadlift knee hip",
    "chest": "bench press push chest pectoral fly dip incline barbell dumbbell",
    "back": "row pull lat deadlift chin pulldown spine rear trap grip",
    "arms": "curl bicep tricep extension hammer forearm elbow wrist grip cable",
}


def synthetic_documents(n: int, seed: int = 0) -> list[Document]:
    generator = random.Random(seed)
    topics = list(TOPICS)
    documents = []
    for doc_id in range(n):
        topic = topics[doc_id % len(topics)]
        words = TOPICS[topic].split()
        body = " ".join(generator.choice(words) for _ in range(generator.randint(5, 30)))
        title = " ".join(generator.sample(words, 2))
        documents.append(Document(doc_id, title=title, body=body, tags=[topic]))
    return documents
