#!/usr/bin/env bash
# Resolves Apache Pulsar (broker with its embedded WebSocket proxy, plus the
# pulsar-perf test client) from Maven Central into a version-keyed cache and
# writes a classpath file. Idempotent: a complete cache entry is reused.
#
# Usage: scripts/fetch-pulsar.sh [--with-perf]   -> prints the cache directory
#        --with-perf also resolves pulsar-perf (benchmarks only)
# Env:   PULSAR_VERSION (default 4.0.7), PULSAR_PERF_VERSION (default 4.0.8)
#
# Why these versions: Maven Central lacks two of 4.0.8's broker dependencies
# (org.apache.pulsar:jetcd-core-shaded and pulsar-opentelemetry stop at 4.0.7)
# and 4.0.9+ is not published there, so 4.0.7 is the newest 4.0.x LTS broker
# that resolves. pulsar-testclient (pulsar-perf) exists only as 4.0.6 and
# 4.0.8; being a client, it works against any 4.0.x broker.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

PULSAR_VERSION="${PULSAR_VERSION:-4.0.7}"
PULSAR_PERF_VERSION="${PULSAR_PERF_VERSION:-4.0.8}"
DIR="$PWO_CACHE_DIR/pulsar-$PULSAR_VERSION"

# Java is needed to run the broker even when the jars are cached.
need java "Install a JDK 17+ (Debian: apt-get install openjdk-17-jdk-headless)."
jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
[[ "${jv:-0}" -ge 17 ]] || die "Pulsar $PULSAR_VERSION needs Java 17+, found '${jv:-unknown}'."

WITH_PERF=0
[[ "${1:-}" == "--with-perf" ]] && WITH_PERF=1
if [[ -s "$DIR/classpath.txt" && ( $WITH_PERF == 0 || -s "$DIR/perf-classpath.txt" ) ]]; then
  echo "$DIR"; exit 0
fi


need mvn "Install Maven (Debian: apt-get install maven)."
mkdir -p "$DIR"
# Every repository, including the non-Central ones some Pulsar POMs declare
# (confluent, restlet), is mirrored to Maven Central: these machines reach
# only Central, and no pulsar-broker runtime dependency lives elsewhere.
cat >"$DIR/settings.xml" <<XML
<settings>
  <localRepository>$DIR/m2</localRepository>
  <mirrors><mirror><id>central-only</id><mirrorOf>*</mirrorOf>
    <url>https://repo.maven.apache.org/maven2</url></mirror></mirrors>
</settings>
XML

write_pom() { # artifactId dependency-artifact version
  cat <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.pwo</groupId><artifactId>$1</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement><dependencies>
    <!-- Absent from Central at 4.0.8; the broker's own version is equivalent. -->
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>jetcd-core-shaded</artifactId>
      <version>$PULSAR_VERSION</version></dependency>
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>pulsar-opentelemetry</artifactId>
      <version>$PULSAR_VERSION</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>$2</artifactId>
      <version>$3</version></dependency>
  </dependencies>
</project>
XML
}

resolve() { # name artifact version outfile
  mkdir -p "$DIR/$1"
  write_pom "$1" "$2" "$3" >"$DIR/$1/pom.xml"
  with_heartbeat pulsar "resolving org.apache.pulsar:$2:$3 from Maven Central" \
    mvn -B -ntp -s "$DIR/settings.xml" -f "$DIR/$1/pom.xml" \
      dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$DIR/$4.tmp"
  mv "$DIR/$4.tmp" "$DIR/$4"
}

[[ -s "$DIR/classpath.txt" ]] || resolve broker pulsar-broker "$PULSAR_VERSION" classpath.txt
if [[ $WITH_PERF == 1 ]]; then
  resolve perf pulsar-testclient "$PULSAR_PERF_VERSION" perf-classpath.txt
fi
step pulsar "cached in $DIR ($(du -sh "$DIR/m2" | cut -f1))"
echo "$DIR"
