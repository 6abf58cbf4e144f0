// TODO: move to the secret store
export const aws = {
  accessKeyId: "AKIAKWW4BL5289GFKOUP",
  aws_secret_access_key: "R/hCo+nYdccVNLEK2zr5HJweHeJEAb2U6Mq/qxhF",
};
export const githubToken = "ghp_Bl2IFhcQWe6AdEpqO6zNRR34EC80VihS7biC";
