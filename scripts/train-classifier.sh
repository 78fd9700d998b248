#!/usr/bin/env bash
# Retrains the keyless classifier's model (src/ClientMonitor.Core/Classifiers/keyless-model.bin) and prints its
# evaluation. Deterministic: the same data, seed and options give the same bytes (see docs/classifier.md).
#
# Data: zeroshot/twitter-financial-news-sentiment and zeroshot/twitter-financial-news-topic (MIT licence), by default
# from ../shared/datasets. Use your own labelled CSV files (text,label) with:
#   SENTIMENT_CSV=mine.csv TOPICS_CSV=topics.csv ./scripts/train-classifier.sh [--seed N] [--epochs N]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATASETS:-../shared/datasets}"
SENTIMENT_CSV="${SENTIMENT_CSV:-$DATA/twitter_financial_news_sentiment_train.csv}"
TOPICS_CSV="${TOPICS_CSV:-$DATA/twitter_financial_news_topic_train.csv}"
MODEL="${MODEL:-src/ClientMonitor.Core/Classifiers/keyless-model.bin}"
TOOL=tools/ClientMonitor.ClassifierTool

dotnet build "$TOOL" -c Release --nologo -v quiet
run() { dotnet "$TOOL/bin/Release/net10.0/ClientMonitor.ClassifierTool.dll" "$@"; }
run train --sentiment "$SENTIMENT_CSV" --topics "$TOPICS_CSV" --out "$MODEL" "$@"
# Evaluate the file just written (held-out tweets from the same seeded split, and the dev set).
run evaluate --model "$MODEL" --sentiment "$SENTIMENT_CSV" --topics "$TOPICS_CSV" \
  --dev tests/ClientMonitor.Core.Tests/Classifiers/dev-set.jsonl "$@"
