#!/usr/bin/env python3
"""Where a W1 step's CPU goes: classifies the JFR execution samples of a `bench/run W1 dynamodb` recording by the
nearest telling frame from the leaf (SDK pipeline, marshalling, signing, HTTP client, telemetry, our code) and by the
store call they fall in. Usage: bench/jfr-split.py FILE.jfr [turns|growth|coldread] [-v]
  turns    every W1 turn (warm-up and growth: the most samples; the default for the tables in bench/README.md)
  growth   the turns of the measured growth runs only
  coldread the cold reads of the latest state in the growth runs
"""
import re, subprocess, sys, collections

def frames_of(path):
    out = subprocess.run(['jfr', 'print', '--events', 'jdk.ExecutionSample', '--stack-depth', '200', path],
                         capture_output=True, text=True, check=True).stdout
    for block in out.split('jdk.ExecutionSample {')[1:]:
        m = re.search(r'sampledThread = "([^"]*)"', block)
        thread = m.group(1) if m else ''
        st = block.split('stackTrace = [', 1)
        if len(st) < 2:
            continue
        frames = [l.strip() for l in st[1].split('\n') if l.strip() and not l.strip().startswith(']') and l.strip() != '...']
        frames = [re.sub(r'\s+line:.*$', '', f) for f in frames]
        yield thread, frames

RULES = [
    ('telemetry', ('io.opentelemetry.', 'io.threadline.telemetry.')),
    ('SigV4 signing', ('software.amazon.awssdk.http.auth.aws.', 'software.amazon.awssdk.auth.signer', 'software.amazon.awssdk.http.auth.spi', 'software.amazon.awssdk.identity')),
    ('HTTP client', ('software.amazon.awssdk.http.urlconnection.', 'sun.net.', 'java.net.', 'sun.nio.ch.', 'java.io.BufferedOutputStream', 'java.io.BufferedInputStream', 'sun.security.ssl')),
    ('SDK marshalling', ('software.amazon.awssdk.protocols.', 'software.amazon.awssdk.thirdparty.jackson', 'software.amazon.awssdk.services.dynamodb.model.', 'software.amazon.awssdk.services.dynamodb.transform.', 'software.amazon.awssdk.core.SdkBytes', 'software.amazon.awssdk.core.protocol', 'software.amazon.awssdk.core.traits')),
    ('SDK endpoint rules', ('software.amazon.awssdk.services.dynamodb.endpoints.', 'software.amazon.awssdk.endpoints', 'software.amazon.awssdk.awscore.endpoints', 'software.amazon.awssdk.services.dynamodb.internal.DynamoDbRequestSetEndpointInterceptor', 'software.amazon.awssdk.services.dynamodb.internal.DynamoDbResolveEndpointInterceptor')),
    ('SDK pipeline', ('software.amazon.awssdk.',)),
    ('our code', ('io.threadline.', 'com.fasterxml.jackson.', 'org.hibernate.validator.', 'jakarta.validation.')),
]

def classify(frames):
    for f in frames:  # leaf first
        for name, prefixes in RULES:
            if f.startswith(prefixes):
                return name
    return 'other (JDK, GC-free runtime)'

def main(path, phase='growth'):
    counts = collections.Counter(); calls = collections.Counter(); total = 0; calls_sdk_otel = [0]
    leaf = collections.Counter()
    for thread, frames in frames_of(path):
        joined = '\n'.join(frames)
        if phase == 'growth' and not ('bench.W1.growth' in joined and 'bench.W1.turn' in joined):
            continue
        if phase == 'turns' and 'bench.W1.turn' not in joined:
            continue
        if phase == 'coldread' and not ('bench.W1.growth' in joined and 'bench.W1.turn' not in joined):
            continue
        total += 1
        counts[classify(frames)] += 1
        if 'TracingExecutionInterceptor' in joined: calls_sdk_otel[0] += 1
        if 'CommitWriter.commit' in joined: calls['CommitWriter.commit (TransactWriteItems)'] += 1
        elif 'ThreadReader.head' in joined: calls['ThreadReader.head (GetItem)'] += 1
        else: calls['rest of the step'] += 1
        leaf[frames[0].split('(')[0]] += 1
    print(f'{path}: {total} samples ({phase})')
    print('| part | samples | share |\n|---|---|---|')
    for k, v in counts.most_common():
        print(f'| {k} | {v} | {100*v/total:.0f}% |')
    print('\n| call | share |\n|---|---|')
    for k, v in calls.most_common():
        print(f'| {k} | {100*v/total:.0f}% |')
    if calls_sdk_otel[0]:
        print(f'\nthe SDK\'s OpenTelemetry interceptor, inclusive: {100*calls_sdk_otel[0]/total:.1f}%')
    if '-v' in sys.argv:
        print('\ntop leaf frames:')
        for k, v in leaf.most_common(40):
            print(f'{v:6d} {k}')

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith('-') else 'turns')
