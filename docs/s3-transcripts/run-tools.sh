#!/bin/bash
# Round-trips a directory of small files and a 200 MiB file through each S3 client against the
# AppHost's cluster, from the configuration files the AppHost wrote in its data root.
# usage: run-tools.sh DATA_ROOT WORK_DIR [TOOLS]   (TOOLS: any of awscli rclone s3cmd boto3; all by default)
D=$1; W=$2; TOOLS=${3:-awscli rclone s3cmd boto3}; OUT=$(cd "$(dirname "$0")" && pwd)
wants() { [[ " $TOOLS " == *" $1 "* ]]; }
set -a; . "$D/s3.env"; set +a
aws() { /usr/bin/aws "$@"; }   # Debian's awscli, not a pyenv shim
unset AWS_CA_BUNDLE   # the machine's CA bundle variable breaks rclone's plain-HTTP client; nothing here uses TLS
URLS=(${PEERVAULT_S3_URLS//,/ })
mkdir -p "$W" && cd "$W" || exit 1
rm -rf small big.bin out && mkdir -p small/sub out
for i in $(seq 1 50); do head -c $((i * 997)) /dev/urandom > small/file-$i.bin; done
echo "a file with spaces and +" > "small/sub/with space+plus é.txt"
head -c 200M /dev/urandom > big.bin
sha256sum big.bin > big.sha256

run() { echo; echo "\$ $*"; "$@"; echo "[exit $?]"; }

wants awscli && {
echo "# aws cli $(aws --version 2>&1) against ${URLS[*]}"
run aws --endpoint-url "${URLS[0]}" s3 mb s3://aws-tools
run aws --endpoint-url "${URLS[0]}" s3 sync small s3://aws-tools/small/ --no-progress
run aws --endpoint-url "${URLS[1]}" s3 ls s3://aws-tools/small/
run aws --endpoint-url "${URLS[1]}" s3 ls s3://aws-tools/ --recursive --summarize
run aws --endpoint-url "${URLS[0]}" s3 cp big.bin s3://aws-tools/big.bin --no-progress
run aws --endpoint-url "${URLS[2]}" s3 cp s3://aws-tools/big.bin out/aws-big.bin --no-progress
run cmp big.bin out/aws-big.bin
run aws --endpoint-url "${URLS[2]}" s3 sync s3://aws-tools/small/ out/aws-small/ --no-progress
run diff -r small out/aws-small
run aws --endpoint-url "${URLS[0]}" s3api head-object --bucket aws-tools --key big.bin
run aws --endpoint-url "${URLS[0]}" s3 presign s3://aws-tools/small/file-1.bin --expires-in 60
curl -s "$(aws --endpoint-url "${URLS[1]}" s3 presign s3://aws-tools/small/file-1.bin --expires-in 60)" | cmp - small/file-1.bin && echo "presigned GET: same bytes"
echo "## s3api multipart by hand: 3 parts of 5 MiB, 5 MiB, 2 MiB"
head -c 12M big.bin > mp.bin; split -b 5M -d mp.bin mp.part.
UP=$(aws --endpoint-url "${URLS[0]}" s3api create-multipart-upload --bucket aws-tools --key manual.bin --query UploadId --output text); echo "UploadId $UP"
E0=$(aws --endpoint-url "${URLS[1]}" s3api upload-part --bucket aws-tools --key manual.bin --upload-id "$UP" --part-number 1 --body mp.part.00 --query ETag --output text)
E1=$(aws --endpoint-url "${URLS[2]}" s3api upload-part --bucket aws-tools --key manual.bin --upload-id "$UP" --part-number 2 --body mp.part.01 --query ETag --output text)
E2=$(aws --endpoint-url "${URLS[0]}" s3api upload-part --bucket aws-tools --key manual.bin --upload-id "$UP" --part-number 3 --body mp.part.02 --query ETag --output text)
run aws --endpoint-url "${URLS[1]}" s3api list-parts --bucket aws-tools --key manual.bin --upload-id "$UP" --query 'Parts[].[PartNumber,Size,ETag]' --output text
run aws --endpoint-url "${URLS[1]}" s3api list-multipart-uploads --bucket aws-tools --query 'Uploads[].[Key,UploadId]' --output text
echo "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$E0},{\"PartNumber\":2,\"ETag\":$E1},{\"PartNumber\":3,\"ETag\":$E2}]}" > parts.json
run aws --endpoint-url "${URLS[2]}" s3api complete-multipart-upload --bucket aws-tools --key manual.bin --upload-id "$UP" --multipart-upload file://parts.json
run aws --endpoint-url "${URLS[0]}" s3api get-object --bucket aws-tools --key manual.bin out/manual.bin
run cmp mp.bin out/manual.bin
UP2=$(aws --endpoint-url "${URLS[0]}" s3api create-multipart-upload --bucket aws-tools --key aborted.bin --query UploadId --output text)
run aws --endpoint-url "${URLS[0]}" s3api abort-multipart-upload --bucket aws-tools --key aborted.bin --upload-id "$UP2"
run aws --endpoint-url "${URLS[0]}" s3 rm s3://aws-tools/ --recursive
run aws --endpoint-url "${URLS[0]}" s3 rb s3://aws-tools
} > "$OUT/awscli.txt" 2>&1

wants rclone && {
R="rclone --config $D/rclone.conf"
echo "# $(rclone version | head -1)"
run $R mkdir peervault:rclone-tools
run $R copy small peervault:rclone-tools/small
run $R check small peervault:rclone-tools/small
run $R sync small peervault:rclone-tools/mirror
run $R ls peervault:rclone-tools
run $R lsd peervault:
run $R copy big.bin peervault:rclone-tools/
run $R check --one-way . peervault:rclone-tools --include big.bin
run $R copy peervault:rclone-tools/big.bin out/rclone/
run cmp big.bin out/rclone/big.bin
run $R copy peervault:rclone-tools/small out/rclone-small
run diff -r small out/rclone-small
run $R moveto peervault:rclone-tools/mirror/file-1.bin peervault:rclone-tools/moved.bin
run $R purge peervault:rclone-tools
} > "$OUT/rclone.txt" 2>&1

wants s3cmd && {
S="s3cmd -c $D/s3cfg"
echo "# $(s3cmd --version)"
run $S mb s3://s3cmd-tools
run $S put --recursive small s3://s3cmd-tools/
run $S ls -r s3://s3cmd-tools
run $S put big.bin s3://s3cmd-tools/big.bin
run $S get --force s3://s3cmd-tools/big.bin out/s3cmd-big.bin
run cmp big.bin out/s3cmd-big.bin
mkdir -p out/s3cmd-small
run $S get --force --recursive s3://s3cmd-tools/small/ out/s3cmd-small/
run diff -r small out/s3cmd-small
run $S info s3://s3cmd-tools/big.bin
run $S del --recursive --force s3://s3cmd-tools
run $S rb s3://s3cmd-tools
} > "$OUT/s3cmd.txt" 2>&1

wants boto3 && {
echo "# boto3 (Debian python3-boto3) $(/usr/bin/python3 -c 'import boto3; print(boto3.__version__)')"
run /usr/bin/python3 "$OUT/boto3-roundtrip.py" "${URLS[@]}"
} > "$OUT/boto3.txt" 2>&1
