DROP TABLE sharing_agreements;
DROP TABLE sharing_posts;
