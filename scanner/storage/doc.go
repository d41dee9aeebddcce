// Package storage reads winnow's inputs from and writes its outputs to
// object stores and the local filesystem through gocloud.dev/blob: Amazon
// S3 and S3-compatible stores (s3://), Google Cloud Storage (gs://), Azure
// Blob Storage (azblob://), local files (file:// and plain paths) and an
// in-process store for tests (mem://).
//
// # URLs
//
// A URL names a bucket and a key inside it; the key is an object, a
// "directory" prefix or, for inputs, a glob. Query parameters configure the
// driver and are kept out of every message (Location.String):
//
//	s3://bucket/prefix?region=eu-west-1
//	s3://bucket/prefix?profile=research                 (a shared-config profile)
//	gs://bucket/prefix
//	azblob://container/prefix?domain=blob.core.windows.net
//	file:///abs/path
//
// S3-compatible stores are reached with the endpoint parameters:
//
//	MinIO:         s3://bucket/prefix?endpoint=http://127.0.0.1:9000&use_path_style=true&region=us-east-1
//	Cloudflare R2: s3://bucket/prefix?endpoint=https://ACCOUNT_ID.r2.cloudflarestorage.com&region=auto
//
// Other s3 parameters: disable_https, accelerate, dualstack, fips,
// anonymous, role (an ARN to assume), hostname_immutable, ssetype,
// kmskeyid, rate_limiter_capacity, and request_checksum_calculation /
// response_checksum_validation (set both to "when_required" for
// S3-compatible servers that reject the CRC checksums newer AWS SDKs send
// by default). gs takes anonymous, universe_domain, grpc; azblob takes
// domain, protocol, cdn, localemu. See gocloud.dev's s3blob, gcsblob and
// azureblob documentation for the full lists.
//
// # Credentials
//
// Credentials never go in URLs. Each driver uses its provider's usual
// chain:
//
//   - s3: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN),
//     AWS_PROFILE and ~/.aws/{credentials,config}, web identity (IRSA on
//     Kubernetes), ECS and EC2 instance roles; AWS_REGION when the URL has
//     no region. For MinIO and R2 put their access keys in the AWS_*
//     variables.
//   - gs: GOOGLE_APPLICATION_CREDENTIALS, gcloud application-default
//     credentials, workload identity / the GCE metadata server.
//   - azblob: AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY,
//     AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING, else the
//     Azure default credential chain (environment, workload and managed
//     identity, Azure CLI).
//
// # Reading and writing
//
// Store.Expand lists an input; Bucket.OpenReaderAt returns an io.ReaderAt
// with range requests and read-ahead (request sizes are described on
// ReaderAt). Bucket.NewWriter streams an object that appears at its key
// only when Close succeeds (see Writer for each store's mechanism);
// Bucket.CreateIfAbsent writes completion markers that exactly one of
// several racing tasks can create.
package storage
