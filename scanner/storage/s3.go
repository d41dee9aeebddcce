package storage

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// S3 adjustments to gocloud.dev's s3blob driver, applied through its
// documented As hooks. Other drivers ignore them.

// s3AbortTimeout bounds the AbortMultipartUpload sent after a failed or
// cancelled upload.
const s3AbortTimeout = 30 * time.Second

// readerOptions silences the AWS SDK's "Response has no supported
// checksum" warning, logged to stderr for every ranged GET (S3 returns
// checksums for whole objects only) and for stores that send none.
func readerOptions() *blob.ReaderOptions {
	return &blob.ReaderOptions{BeforeRead: func(as func(any) bool) error {
		var fns *[]func(*s3.Options)
		if as(&fns) && fns != nil {
			*fns = append(*fns, func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })
		}
		return nil
	}}
}

// s3Uploads returns a BeforeWrite hook for an S3 bucket, or nil for other
// drivers. It reconfigures the upload's transfer manager, keeping what
// s3blob sets (part size, the client's checksum mode) and adding:
//
//   - MultipartUploadThreshold = PartSize, so a Writer buffers one part
//     rather than 16 MiB before choosing between one PUT and a multipart
//     upload;
//   - FailTimeout, so that the AbortMultipartUpload after a cancelled
//     upload runs on a fresh context instead of failing with the
//     cancelled one and leaving the incomplete upload behind.
func (b *Bucket) s3Uploads() func(func(any) bool) error {
	var client *s3.Client
	if !b.b.As(&client) || client == nil {
		return nil
	}
	part := int64(b.opt.PartSize)
	sum := client.Options().RequestChecksumCalculation
	return func(as func(any) bool) error {
		var tm *transfermanager.Client
		if !as(&tm) || tm == nil {
			return nil
		}
		*tm = *transfermanager.New(client, func(o *transfermanager.Options) {
			o.PartSizeBytes = part
			o.MultipartUploadThreshold = part
			o.RequestChecksumCalculation = sum
			o.FailTimeout = s3AbortTimeout
		})
		return nil
	}
}
